"""Training loops shared by the experiments: char-level language models, clipping, perplexity."""
