using System.Diagnostics.CodeAnalysis;

// The layer order and the fixtures' folder lists are written inline where they are read; hoisting each array into a
// static field (CA1861) would separate the value from the assertion that reads it.
[assembly: SuppressMessage("Performance", "CA1861:Avoid constant arrays as arguments", Justification = "Inline layer lists and fixtures in tests.", Scope = "namespaceanddescendants", Target = "~N:CudaTensor.Tests.Architecture")]
