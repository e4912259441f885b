"""The operator console: every lane at a glance and every operator action from the keyboard."""
