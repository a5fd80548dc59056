using System.Numerics;

namespace CudaTensor.VirtualDevice.Ptx.Exec;

/// <summary>
/// How a PTX type's value sits in a 64-bit register slot: signed integers sign-extended, others zero-extended (as
/// the ISA extends a result into a register wider than the instruction's type); readers take exactly their width.
/// </summary>
internal interface IValue<T>
{
    static abstract T Get(ulong bits);

    static abstract ulong Put(T value);
}

internal struct U8 : IValue<byte> { public static byte Get(ulong b) => (byte)b; public static ulong Put(byte v) => v; }
internal struct S8 : IValue<sbyte> { public static sbyte Get(ulong b) => (sbyte)b; public static ulong Put(sbyte v) => (ulong)(long)v; }
internal struct U16 : IValue<ushort> { public static ushort Get(ulong b) => (ushort)b; public static ulong Put(ushort v) => v; }
internal struct S16 : IValue<short> { public static short Get(ulong b) => (short)b; public static ulong Put(short v) => (ulong)(long)v; }
internal struct U32 : IValue<uint> { public static uint Get(ulong b) => (uint)b; public static ulong Put(uint v) => v; }
internal struct S32 : IValue<int> { public static int Get(ulong b) => (int)b; public static ulong Put(int v) => (ulong)(long)v; }
internal struct U64 : IValue<ulong> { public static ulong Get(ulong b) => b; public static ulong Put(ulong v) => v; }
internal struct S64 : IValue<long> { public static long Get(ulong b) => (long)b; public static ulong Put(long v) => (ulong)v; }

internal struct F32 : IValue<float>
{
    public static float Get(ulong b) => BitConverter.Int32BitsToSingle((int)b);

    public static ulong Put(float v) => (uint)BitConverter.SingleToInt32Bits(v);
}

internal struct F64 : IValue<double>
{
    public static double Get(ulong b) => BitConverter.Int64BitsToDouble((long)b);

    public static ulong Put(double v) => (ulong)BitConverter.DoubleToInt64Bits(v);
}
