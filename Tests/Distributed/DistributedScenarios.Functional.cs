using CudaTensor.Distributed;

namespace CudaTensor.Tests.Distributed;

public static partial class DistributedScenarios
{
    private static void RegisterFunctional()
    {
        Scenarios["functional"] = _ => { };
    }
}
