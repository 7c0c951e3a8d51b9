"""Text data for language models: corpus reading, tokenization, vocabulary, minibatch iterators."""
