// Trains a character-level language model (a small decoder-only transformer, or an LSTM) on Tiny Shakespeare
// (data/TINYSHAKESPEARE.md), reports validation loss and perplexity against a unigram baseline, saves the weights
// (safetensors) and a plot of the curves, and prints text sampled from the model. `--help` lists the options.
// Exit codes: 0 success, 1 the run failed, 2 bad command line.
return CudaTensor.Samples.TinyLM.TinyLMCommand.Run(args, Console.Out, Console.Error);
