.PHONY: build test install

build:
	go build -o bin/clusterpack ./cmd/clusterpack

install:
	go install ./cmd/clusterpack

test:
	bash scripts/test.sh
