using CudaTensor;

var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
var col = x[.., 1];                      // a view of shape [2]
col.Fill(0f);                            // x is now [[1, 0, 3], [4, 0, 6]]
var y = x + Tensor.Ones([3]) * 2f;       // broadcasting: [[3, 2, 5], [6, 2, 8]]
var z = Tensor.MatMul(y, y.T);           // [[38, 62], [62, 104]]
Console.WriteLine(z.Sum().Item<float>()); // 266
var (values, indices) = y.Max(dim: 1);
Console.WriteLine(string.Join(",", values.ToArray<float>()));  // 5,8
Console.WriteLine(string.Join(",", indices.ToArray<long>()));  // 2,2
Console.WriteLine(x.Transpose(0, 1).IsContiguous);            // False
Console.WriteLine(x.Transpose(0, 1).Contiguous().IsContiguous); // True
Console.WriteLine(y);
