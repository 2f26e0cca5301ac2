// Package distfilename parses the file names of Python distributions found
// on package indexes: wheels (PEP 427, "name-version[-build]-tags.whl") and
// source distributions ("name-version.tar.gz" or ".zip"), with the rules of
// packaging 26.3's parse_wheel_filename and parse_sdist_filename, and
// classifies the other files an index may list (eggs, installers, other
// archive formats).
package distfilename
