"""Pure rule logic for treatywatch: parse, compile, evaluate and explain rules. No I/O."""
