// Package depcheck holds only tests: they keep the layering of the
// module as its layout promises (README.md, "Layout"), failing on the
// first import or message that breaks it.
//
//   - pypa/* are the standards: they import the standard library and
//     each other, nothing else.
//   - Only cmd/clusterpack knows about cobra and the terminal.
//   - store/* do not link the pipeline before them (build, pack, resolve,
//     lock, sdist, index) and spark/, flink/ are pure printers: no store,
//     no SDK.
//   - build reads a lock through lockfile and does not link lock (the
//     resolver, pip's configuration, the requirements parser).
//   - cmd/clusterpack links the AWS SDK only through store/s3.
//   - Library code does not link the test helpers (internal/testing,
//     internal/e2e).
//   - Library errors do not name CLI flags: cmd adds that hint.
package depcheck
