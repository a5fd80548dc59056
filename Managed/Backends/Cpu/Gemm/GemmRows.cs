namespace CudaTensor.Backends.Cpu;

/// <summary>
/// A row count known when the JIT compiles a micro-kernel: each implementation yields a dedicated kernel for a
/// leftover row panel, so edge rows cost neither a scalar tail nor wasted multiply-adds on zero padding.
/// </summary>
internal interface IGemmRows
{
    /// <summary>Rows of the tile.</summary>
    static abstract int N { get; }
}

/// <summary>A tile of 1 row.</summary>
internal readonly struct GemmRows1 : IGemmRows
{
    public static int N => 1;
}

/// <summary>A tile of 2 rows.</summary>
internal readonly struct GemmRows2 : IGemmRows
{
    public static int N => 2;
}

/// <summary>A tile of 3 rows.</summary>
internal readonly struct GemmRows3 : IGemmRows
{
    public static int N => 3;
}

/// <summary>A tile of 4 rows.</summary>
internal readonly struct GemmRows4 : IGemmRows
{
    public static int N => 4;
}

/// <summary>A tile of 5 rows.</summary>
internal readonly struct GemmRows5 : IGemmRows
{
    public static int N => 5;
}

/// <summary>A tile of 6 rows.</summary>
internal readonly struct GemmRows6 : IGemmRows
{
    public static int N => 6;
}

/// <summary>A tile of 7 rows.</summary>
internal readonly struct GemmRows7 : IGemmRows
{
    public static int N => 7;
}

/// <summary>A tile of 8 rows.</summary>
internal readonly struct GemmRows8 : IGemmRows
{
    public static int N => 8;
}

/// <summary>A tile of 9 rows.</summary>
internal readonly struct GemmRows9 : IGemmRows
{
    public static int N => 9;
}

/// <summary>A tile of 10 rows.</summary>
internal readonly struct GemmRows10 : IGemmRows
{
    public static int N => 10;
}

/// <summary>A tile of 11 rows.</summary>
internal readonly struct GemmRows11 : IGemmRows
{
    public static int N => 11;
}

/// <summary>A tile of 12 rows.</summary>
internal readonly struct GemmRows12 : IGemmRows
{
    public static int N => 12;
}
