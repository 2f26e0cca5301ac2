// Package metadata reads Python core metadata (the METADATA file of a
// wheel, the PKG-INFO file of an sdist, PEP 658 .metadata files) as pypa
// packaging 26.3 reads it (packaging.metadata): the same RFC 822 header
// parsing, the same treatment of repeated, unknown and badly encoded
// fields, and the same typed values for the fields a resolver needs.
package metadata
