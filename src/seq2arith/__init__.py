"""seq2arith: recurrent encoder-decoder models that learn arithmetic from text and handwriting."""
