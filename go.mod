module transferlab

go 1.26.8

require (
	github.com/spf13/cobra v1.10.2
	github.com/spf13/pflag v1.0.9
	github.com/sugarme/gotch v0.9.1
	golang.org/x/image v0.5.0
)

require (
	github.com/go-echarts/go-echarts/v2 v2.6.7 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
)

replace github.com/sugarme/gotch => ./build/gotch
