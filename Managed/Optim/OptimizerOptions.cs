using System.Globalization;

namespace CudaTensor.Optim;

/// <summary>
/// The hyper-parameters of a built-in optimizer, each declared once with its default and its check, in PyTorch's
/// order: the defaults a group's missing options come from, and the validation of every group. The checks run in
/// two passes, as <c>torch.optim</c>'s constructors do: first every non-negative option, then the ranges (betas,
/// [0, 1], counts), each pass in declaration order, so the first bad value named is PyTorch's.
/// </summary>
internal sealed class OptimizerOptions
{
    private enum Rule
    {
        None,
        NonNegative,
        Beta,
        UnitInterval,
        Count,
    }

    private readonly List<(string Name, Rule Rule)> _rules = [];

    /// <summary>The defaults, in declaration order.</summary>
    public Dictionary<string, double> Defaults { get; } = new(StringComparer.Ordinal);

    /// <summary>An option that must be a finite number ≥ 0 (lr, eps, weight decay, ...).</summary>
    public OptimizerOptions NonNegative(string name, double value) => Add(name, value, Rule.NonNegative);

    /// <summary>An option in [0, 1).</summary>
    public OptimizerOptions Beta(string name, double value) => Add(name, value, Rule.Beta);

    /// <summary>Options <c>"beta1"</c> and <c>"beta2"</c>, each in [0, 1), from <paramref name="betas"/> or PyTorch's (0.9, 0.999).</summary>
    public OptimizerOptions Betas((double Beta1, double Beta2)? betas)
    {
        var (beta1, beta2) = betas ?? (0.9, 0.999);
        return Beta("beta1", beta1).Beta("beta2", beta2);
    }

    /// <summary>An option in [0, 1] (Adadelta's rho).</summary>
    public OptimizerOptions UnitInterval(string name, double value) => Add(name, value, Rule.UnitInterval);

    /// <summary>A count that must be at least 1 (L-BFGS's iterations and history).</summary>
    public OptimizerOptions Count(string name, double value) => Add(name, value, Rule.Count);

    /// <summary>An option with no range of its own (SGD's dampening; flags that combine are checked by the optimizer).</summary>
    public OptimizerOptions Value(string name, double value) => Add(name, value, Rule.None);

    /// <summary>A flag, stored as 1 or 0.</summary>
    public OptimizerOptions Flag(string name, bool value) => Add(name, value ? 1 : 0, Rule.None);

    private OptimizerOptions Add(string name, double value, Rule rule)
    {
        Defaults.Add(name, value);
        _rules.Add((name, rule));
        return this;
    }

    /// <summary>Checks every declared option of <paramref name="group"/>; the messages name <paramref name="optimizer"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option outside its range.</exception>
    public void Validate(string optimizer, ParamGroup group)
    {
        foreach (var (name, rule) in _rules)
        {
            if (rule == Rule.NonNegative) RequireAtLeast(optimizer, group, name, 0);
        }
        foreach (var (name, rule) in _rules)
        {
            switch (rule)
            {
                case Rule.Beta:
                    RequireIn(optimizer, name, group[name], group[name] >= 0 && group[name] < 1, "in [0, 1)");
                    break;
                case Rule.UnitInterval:
                    RequireIn(optimizer, name, group[name], group[name] >= 0 && group[name] <= 1, "in [0, 1]");
                    break;
                case Rule.Count:
                    RequireIn(optimizer, name, group[name], group[name] >= 1, "at least 1");
                    break;
            }
        }
    }

    /// <summary>Throws unless option <paramref name="option"/> is a finite number at least <paramref name="min"/>.</summary>
    public static void RequireAtLeast(string optimizer, ParamGroup group, string option, double min)
    {
        double v = group[option];
        RequireIn(optimizer, option, v, v >= min && !double.IsInfinity(v), $"a finite number >= {min.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>Throws unless option <paramref name="option"/> is in [0, 1).</summary>
    public static void RequireBeta(string optimizer, ParamGroup group, string option)
    {
        double v = group[option];
        RequireIn(optimizer, option, v, v >= 0 && v < 1, "in [0, 1)");
    }

    private static void RequireIn(string optimizer, string option, double value, bool valid, string range)
    {
        if (!valid)
            throw new ArgumentOutOfRangeException(option, value,
                $"{optimizer}: invalid {option} {value.ToString(CultureInfo.InvariantCulture)}; it must be {range}.");
    }
}
