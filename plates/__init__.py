"""Reading number plates: the Indonesian plate grammar and (later) finding and reading plates in frames. Pure."""
