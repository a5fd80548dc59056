using System.Globalization;
using System.Runtime.CompilerServices;
using CudaTensor.Backends.Cuda;
using CudaTensor.Native;
using CudaTensor.CudaRuntime;
using CudaTensor.Tests.NativeBinding;
using NUnit.Framework;

namespace CudaTensor.Tests.CudaBackend;

/// <summary>
/// <see cref="KernelLayout"/> is passed by value to the elementwise kernels, which read it as <c>ct_layout</c>
/// (<c>Kernels/ct_common.cuh</c>): the driver copies sizeof(ct_layout) bytes from the C# value. The offsets the kernels
/// read must match, and the two C# backing fields after the device struct must lie past its end. The C side is checked
/// by NVRTC itself: the PTX of kernels that read one field each shows the offset they load it from.
/// </summary>
[TestFixture]
public unsafe class KernelLayoutTests
{
    private static (int Rank, int Size, int Stride, int End) ManagedOffsets()
    {
        KernelLayout layout = default;
        byte* start = (byte*)&layout;
        int stride = (int)((byte*)layout.Stride - start);
        return ((int)((byte*)&layout.Rank - start), (int)((byte*)layout.Size - start), stride,
            stride + (KernelLayout.MaxArgs * KernelLayout.MaxDims * sizeof(long)));
    }

    [Test]
    public void DeviceFieldsHaveTheCOffsets()
    {
        var (rank, size, stride, end) = ManagedOffsets();
        Assert.Multiple(() =>
        {
            // int rank; int pad_; long long size[8]; long long stride[4][8];
            Assert.That((rank, size, stride, end), Is.EqualTo((0, 8, 72, 328)));
            Assert.That(Unsafe.SizeOf<KernelLayout>(), Is.GreaterThanOrEqualTo(end), "the driver reads sizeof(ct_layout) bytes from the C# value");
        });
    }

    [TestCase(nameof(KernelLayout.IsContiguous))]
    [TestCase(nameof(KernelLayout.Fits32))]
    public void HostOnlyFieldsLieAfterTheDeviceStruct(string property)
    {
        // Setting a host-only property must change no byte the kernel reads, and some byte after them.
        var (_, _, _, end) = ManagedOffsets();
        object boxed = default(KernelLayout);
        typeof(KernelLayout).GetProperty(property)!.SetValue(boxed, true);
        var layout = (KernelLayout)boxed;
        var bytes = new ReadOnlySpan<byte>(&layout, Unsafe.SizeOf<KernelLayout>());
        int inDevicePart = bytes[..end].IndexOfAnyExcept((byte)0), afterIt = bytes[end..].IndexOfAnyExcept((byte)0);
        Assert.Multiple(() =>
        {
            Assert.That(inDevicePart, Is.EqualTo(-1), $"{property} overlaps ct_layout");
            Assert.That(afterIt, Is.GreaterThanOrEqualTo(0), $"{property} is not stored after ct_layout");
        });
    }

    [Test]
    public void KernelsReadTheManagedOffsets()
    {
        NativeRequirement.Library(NativeLibraryKind.Nvrtc);
        var (rank, size, stride, end) = ManagedOffsets();
        int lastStride = stride + (((KernelLayout.MaxArgs * KernelLayout.MaxDims) - 1) * sizeof(long));
        // One kernel per field: its PTX loads the field from the by-value parameter at the offset the C side uses.
        const string Source = """
            #include "ct_common.cuh"
            extern "C" __global__ void probe_rank(ct_layout L, long long* out) { *out = L.rank; }
            extern "C" __global__ void probe_size(ct_layout L, long long* out) { *out = L.size[0]; }
            extern "C" __global__ void probe_stride(ct_layout L, long long* out) { *out = L.stride[0][0]; }
            extern "C" __global__ void probe_last_stride(ct_layout L, long long* out) { *out = L.stride[CT_MAX_ARGS - 1][CT_MAX_DIMS - 1]; }
            """;
        var target = new KernelTarget(KernelCompiler.SupportedArchitectures.Max(), Cubin: false);
        CompiledKernel compiled = KernelCompiler.Compile("layout_probe.cu", Source, KernelCompiler.Options(target, extra: ["-DCT_T=float"]), target);
        string ptx = System.Text.Encoding.ASCII.GetString(compiled.Image);
        Assert.Multiple(() =>
        {
            Assert.That(ParamOffset(ptx, "probe_rank"), Is.EqualTo(rank), "ct_layout.rank");
            Assert.That(ParamOffset(ptx, "probe_size"), Is.EqualTo(size), "ct_layout.size");
            Assert.That(ParamOffset(ptx, "probe_stride"), Is.EqualTo(stride), "ct_layout.stride");
            Assert.That(ParamOffset(ptx, "probe_last_stride"), Is.EqualTo(lastStride), "ct_layout.stride[CT_MAX_ARGS - 1][CT_MAX_DIMS - 1]: the array shapes agree");
            Assert.That(ptx, Does.Contain($".b8 probe_rank_param_0[{end}]"), "sizeof(ct_layout) is where KernelLayout.Stride ends");
        });
    }

    // The byte offset of the one load from the kernel's by-value layout parameter: "ld.param.u32 %r1, [k_param_0+8];".
    private static int ParamOffset(string ptx, string kernel)
    {
        int entry = ptx.IndexOf(".entry " + kernel + "(", StringComparison.Ordinal);
        Assert.That(entry, Is.GreaterThanOrEqualTo(0), $"{kernel} is not in the PTX");
        int bodyEnd = ptx.IndexOf("\n}", entry, StringComparison.Ordinal);
        var loads = System.Text.RegularExpressions.Regex.Matches(ptx[entry..bodyEnd], @"ld\.param\.\w+\s+%\w+,\s*\[" + kernel + @"_param_0(?:\+(\d+))?\]");
        Assert.That(loads, Has.Count.EqualTo(1), $"{kernel} should load one field of its layout parameter");
        return loads[0].Groups[1].Success ? int.Parse(loads[0].Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }
}
