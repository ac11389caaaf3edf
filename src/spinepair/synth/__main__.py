"""``python -m spinepair.synth``: the generator's command line (see :mod:`spinepair.synth.simulate`)."""

from spinepair.synth.simulate import main

main(prog="python -m spinepair.synth")
