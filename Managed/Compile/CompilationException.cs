using CudaTensor.Compilation;
namespace CudaTensor;

/// <summary>A compiled function's body cannot be captured and <see cref="CompileOptions.FallbackToEager"/> is off.</summary>
public sealed class CompilationException : Exception
{
    /// <summary>An exception with a message.</summary>
    public CompilationException() : this("", "The function cannot be compiled.")
    {
    }

    /// <summary>An exception with a message.</summary>
    public CompilationException(string message) : this("", message)
    {
    }

    /// <summary>An exception with a message and an inner exception.</summary>
    public CompilationException(string message, Exception innerException) : base(message, innerException)
    {
        Op = "";
    }

    /// <summary>An exception naming the op that cannot be captured.</summary>
    public CompilationException(string op, string message) : base(message)
    {
        Op = op;
    }

    /// <summary>The op (or construct) that cannot be captured.</summary>
    public string Op { get; }
}
