// Trains a small MLP on scikit-learn's 8x8 handwritten digits (data/DIGITS.md) and reports its test accuracy;
// saves the weights (safetensors) and a plot of the training curves, then checks that the saved weights
// reproduce the accuracy. `--help` lists the options. Exit codes: 0 success, 1 the run failed, 2 bad command line.
return CudaTensor.Samples.Digits.DigitsCommand.Run(args, Console.Out, Console.Error);
