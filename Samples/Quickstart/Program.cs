// The library's hello world: this PyTorch program, line by line.
//
//   device = "cuda" if torch.cuda.is_available() else "cpu"
//   torch.manual_seed(0)
//   model = nn.Linear(1000, 10).to(device)
//   optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
//   x = torch.randn(64, 1000).to(device)
//   y = model(x)
//   loss = y.sum()
//   loss.backward()
//   optimizer.step()
//
// followed by a few more steps, printing the loss before and after.
using CudaTensor;
using CudaTensor.NN;
using CudaTensor.Optim;

var device = Cuda.IsAvailable ? Device.Cuda() : Device.Cpu;
Tensor.ManualSeed(0);
var model = new Linear(1000, 10).To(device);
var optimizer = new Adam(model.Parameters(), lr: 1e-3);
var x = Tensor.Randn([64, 1000]).To(device);
var y = model.Forward(x);
var loss = y.Sum();
loss.Backward();
optimizer.Step();

Console.WriteLine($"device: {device}");
Console.WriteLine($"loss before the first step: {loss.Item<float>(),10:F4}");
Console.WriteLine($"loss after 1 step:          {Loss(),10:F4}");

const int MoreSteps = 4;
for (int step = 0; step < MoreSteps; step++)
{
    // One dispose scope per step frees the step's activations and graph as soon as the step ends.
    using var scope = Tensor.NewScope();
    optimizer.ZeroGrad();
    model.Forward(x).Sum().Backward();
    optimizer.Step();
}
Console.WriteLine($"loss after {1 + MoreSteps} steps:         {Loss(),10:F4}");

// The loss of the current model, computed without recording a graph.
float Loss()
{
    using var scope = Tensor.NewScope();
    using var noGrad = Autograd.NoGrad();
    return model.Forward(x).Sum().Item<float>();
}
