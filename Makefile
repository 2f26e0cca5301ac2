.PHONY: build test install dist

build:
	go build -o bin/clusterpack ./cmd/clusterpack

install:
	go install ./cmd/clusterpack

test:
	bash scripts/test.sh

# The Python wheels (manylinux x86_64/aarch64, macOS x86_64/arm64) in dist/.
dist:
	go run ./scripts/dist -o dist
