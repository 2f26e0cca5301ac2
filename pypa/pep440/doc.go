// Package pep440 parses, normalises and compares Python package versions
// and version specifiers as defined by PEP 440, with exactly the behaviour
// of pypa packaging 26.3 (packaging.version and packaging.specifiers).
//
// Numbers in versions may be arbitrarily large, as they may be in Python:
// they are stored exactly and compared exactly, never truncated.
//
// Pre-releases follow packaging 26: Contains with PrereleasesDefault
// admits a pre-release (a single version has no alternative), while Filter
// with PrereleasesDefault keeps pre-releases only when a clause names one
// or no final release matches. A resolver that must skip pre-releases
// should pass PrereleasesExclude to Contains, or use Filter.
//
// Known, deliberate differences from packaging 26.3:
//   - A number of more than 4300 digits makes Python's int() raise
//     ValueError (its str-digits limit); Parse accepts it.
//   - packaging's specifier pattern accepts a few strings whose version its
//     own version parser rejects (a non-ASCII letter that case-folds to an
//     ASCII one after "~=", as in "~=1.0poſt1"); it then fails an assertion
//     when matching. ParseSpecifier rejects them.
//   - SpecifierSet.Specifiers returns the clauses in the order written;
//     packaging's iteration order becomes sorted and deduplicated once
//     str() has been called on the set.
//   - Contains and Filter take parsed Versions, so "===" always compares
//     against the normal form of the candidate, as packaging does when
//     given a Version object.
package pep440
