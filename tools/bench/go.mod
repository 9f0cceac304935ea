module github.com/clevermaps/terraform-provider-clevermaps/tools/bench

go 1.26.0

toolchain go1.26.8
