"""What a renewal is: states, transitions, stage budgets and (later) the rules of each step. Pure: no I/O."""
