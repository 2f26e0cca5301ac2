"""The job's own code: the test changes the line below between jobs."""
GREETING = "v1"


def greeting():
    import tabulate  # noqa: F401  a dependency, from the shipped environment

    return GREETING
