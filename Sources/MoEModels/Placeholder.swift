/// Model configurations and transformer blocks.
