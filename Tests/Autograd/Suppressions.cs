using System.Diagnostics.CodeAnalysis;

// Expected gradients are written inline as collection literals next to the assertion that reads them (CA1861 would
// hoist each into a static field).
[assembly: SuppressMessage("Performance", "CA1861:Avoid constant arrays as arguments", Justification = "Inline expected values in tests.", Scope = "namespaceanddescendants", Target = "~N:CudaTensor.Tests.Gradients")]
