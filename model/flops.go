package model

// FLOP counts of the seed CNN, for bench/run.sh's roofline line: the
// achieved GFLOP/s of a CNN benchmark is its images per second times the
// FLOPs per image, set against the machine's matrix-product peak.
//
// Only the multiply-adds of the convolutions and fully connected layers are
// counted, as 2 FLOPs each. Bias additions, ReLU and max-pooling are a few
// hundred thousand element-wise operations per image against 83 million
// multiply-adds, and are memory-bound: they do not belong on a compute
// roofline.

// LayerFLOPs is one layer's share of a forward pass of one image.
type LayerFLOPs struct {
	Name  string
	FLOPs int64 // 2 x multiply-adds
}

// convFLOPs counts a stride-1 convolution of an in-channel image into out
// channels of side x side with a k x k kernel: every output value is a dot
// product of in*k*k weights with the input window.
func convFLOPs(in, out, side, k int64) int64 { return 2 * out * side * side * in * k * k }

// linearFLOPs counts a fully connected layer of in inputs and out outputs.
func linearFLOPs(in, out int64) int64 { return 2 * in * out }

// CNNLayerFLOPs lists, in CNNLayers order, the FLOPs of one image's forward
// pass through each layer of the seed CNN with a classes-way head. The
// sides follow the network: 3x3 convolutions with padding 1 keep the side,
// conv1 and conv2 run at 28 and 14 before their 2x2 pools, conv3-5 at 7.
func CNNLayerFLOPs(classes int) []LayerFLOPs {
	const side1, side2, side3 = ImageSide, ImageSide / 2, ImageSide / 4
	return []LayerFLOPs{
		{"conv1", convFLOPs(1, cnnConv1Out, side1, cnnKernel)},
		{"conv2", convFLOPs(cnnConv1Out, cnnConv2Out, side2, cnnKernel)},
		{"conv3", convFLOPs(cnnConv2Out, cnnConv3Out, side3, cnnKernel)},
		{"conv4", convFLOPs(cnnConv3Out, cnnConv4Out, side3, cnnKernel)},
		{"conv5", convFLOPs(cnnConv4Out, cnnConv5Out, side3, cnnKernel)},
		{"fc1", linearFLOPs(cnnFlat, cnnFC1Out)},
		{"fc2", linearFLOPs(cnnFC1Out, cnnFC2Out)},
		{"fc3", linearFLOPs(cnnFC2Out, int64(classes))},
	}
}

// CNNEvalFLOPs is the FLOPs of evaluating one image: one forward pass.
func CNNEvalFLOPs(classes int) int64 {
	var sum int64
	for _, l := range CNNLayerFLOPs(classes) {
		sum += l.FLOPs
	}
	return sum
}

// CNNTrainFLOPs is the FLOPs of training on one image: the forward pass,
// then a backward pass that computes, per layer, the gradient of the input
// and of the weights, each a product of the same size as the forward one,
// hence 3x the forward pass. conv1's input gradient is not needed (its
// input is the images) and libtorch skips it; that is 0.14 MFLOP of about
// 500, left in so the count is the usual 3x rule.
func CNNTrainFLOPs(classes int) int64 { return 3 * CNNEvalFLOPs(classes) }
