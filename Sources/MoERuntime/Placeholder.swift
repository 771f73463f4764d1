/// Generation runtime.
