"""What every ``python -m ganzoo.<command>`` shares: help, errors, quiet logs.

`run` is ``absl.app.run`` with three manners of a command-line tool:

* ``--help`` (``-h``, ``--helpshort``, ``--helpfull``) prints the usage on
  stdout and exits with status 0 (absl exits with 1);
* an error the user can fix (a bad flag, a refused run folder, a diverged
  run: the ``expected`` exception types) is one line on stderr, status 2,
  instead of a traceback; any other exception keeps its traceback;
* TensorFlow's and Keras' INFO/WARNING chatter is quieted unless ``verbose``
  (see `quiet_logs` and `ganzoo.quiet_start`); errors always show.
"""

import logging as std_logging
import os
import sys
import warnings

from absl import app, flags
from absl import logging

from ganzoo import quiet_start

HELP_FLAGS = ("-h", "-?", "--help", "--helpshort", "--helpfull")
USER_ERROR_STATUS = 2
# Pictures of more samples than this are refused (a grid of 4096 28×28 images is 1792² pixels).
MAX_SAMPLES_IN_PICTURE = 4096
# numpy's legacy seeding (keras.utils.set_random_seed) takes seeds in [0, 2**32).
MAX_SEED = 2**32 - 1


class FlagError(ValueError):
    """A flag, or a combination of flags, that a command cannot use."""


def quiet_logs(verbose):
    """Quiets TensorFlow's and Keras' INFO and WARNING logs unless ``verbose``.

    Errors stay visible: absl/TensorFlow Python loggers keep ERROR, and only
    Python warnings that Keras issues about arguments it ignores are hidden.
    TensorFlow's C++ start-up lines are `ganzoo.quiet_start`'s;
    ``TF_CPP_MIN_LOG_LEVEL=2`` hides the C++ INFO and WARNING lines of
    libraries loaded later.
    """
    if verbose:
        logging.set_verbosity(logging.INFO)
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.set_verbosity(logging.ERROR)
    for name in ("tensorflow", "keras", "absl"):
        std_logging.getLogger(name).setLevel(std_logging.ERROR)
    # Keras' UserWarnings about arguments it ignores (e.g. fit's `shuffle` on a dataset).
    warnings.filterwarnings("ignore", category=UserWarning, module=r"keras(\.|$)")


def run(main, expected=(), verbose=None):
    """``absl.app.run(main)`` with help on status 0 and one-line errors.

    Args:
        main: ``main(argv)`` of the command.
        expected: exception types printed as ``<command>: error: <message>`` (status 2).
        verbose: called after the flags are parsed; True keeps every log line.
            Default: a ``--verbose`` flag, defined here if the command has none.
    """
    if verbose is None:
        if "verbose" not in flags.FLAGS:
            flags.DEFINE_bool("verbose", False, "Show TensorFlow's and Keras' log lines (quieted by default).")
            flags.FLAGS.register_key_flag_for_module(sys.argv[0], flags.FLAGS["verbose"])  # listed by --help
        verbose = lambda: bool(flags.FLAGS.verbose)  # noqa: E731
    program = os.path.basename(sys.argv[0]).removesuffix(".py")
    if program in ("__main__", "-m", "-c"):
        program = "ganzoo"
    else:
        program = f"ganzoo.{program}"
    help_asked = [arg for arg in sys.argv[1:] if arg in HELP_FLAGS]
    if help_asked:
        quiet_start.end()
        flags.FLAGS.mark_as_parsed()  # no validation: --help needs no required flag
        app.usage(shorthelp=help_asked[0] != "--helpfull", writeto_stdout=True)
        sys.exit(0)

    def guarded(argv):
        quiet_start.end(verbose())
        quiet_logs(verbose())
        try:
            return main(argv)
        except expected as error:
            print(f"{program}: error: {error}", file=sys.stderr)
            sys.exit(USER_ERROR_STATUS)

    app.run(guarded)
