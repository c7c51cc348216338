"""Real local servers and helpers for treatywatch's tests."""
