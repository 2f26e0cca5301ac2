// Package pep508 parses dependency specifiers ("requirements") and
// environment markers as PEP 508 and the PyPA dependency-specifier
// specification define them, with exactly the behaviour of pypa packaging
// 26.3 (packaging.requirements and packaging.markers): the same accepted
// inputs, the same normalised String forms and the same marker evaluation.
//
// Inputs must be valid UTF-8 (packaging works on Python str values, which
// cannot hold other bytes). Positions in errors are byte offsets.
package pep508
