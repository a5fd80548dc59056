namespace CudaTensor.Samples;

/// <summary>A command-line option that is unknown, lacks its value, or has a value out of range.</summary>
public sealed class OptionsException(string message) : Exception(message);
