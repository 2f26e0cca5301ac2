// Package wheel installs Python wheels (PEP 427, the binary distribution
// format) into a virtual-environment layout for a target Python that need
// not be the host's: no Python runs during an installation.
//
// Install reads a wheel as a stream of zip members and writes each one
// through a Destination, either a directory (DirDestination) or an archive
// (ZipDestination). Members are checked against the wheel's RECORD as they
// are copied. Most members are written unchanged; when the Destination
// implements RawDestination, those are copied as compressed bytes without
// inflating and deflating them again. Install writes these members itself
// (always through Destination.Create, never raw):
//
//   - scripts in <name>-<version>.data/scripts whose first line starts with
//     "#!python" (including "#!pythonw"), whose first line is replaced by the
//     target's shebang (Options.Shebang);
//   - launchers for the console_scripts and gui_scripts entry points;
//   - the .dist-info files INSTALLER, REQUESTED and direct_url.json, and
//     RECORD, rewritten for the installed layout.
//
// No byte code is compiled. Installing several wheels at the same time is
// safe: an installation keeps no state outside its own call.
package wheel
