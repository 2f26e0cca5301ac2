// Package index is the client for Python package indexes: the PEP 691 JSON
// and PEP 503 HTML simple API, find-links pages and directories, and the
// core-metadata files of PEP 658.
package index

import _ "golang.org/x/net/html" // the HTML parser for PEP 503 pages
