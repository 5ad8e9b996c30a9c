"""Process-wide eager state shared by tensors, variables and tapes.

``recording`` is the stack of tapes that are recording right now. It is one list object,
mutated in place and never rebound, so hot paths can import it once.
"""
import itertools

recording = []
next_id = itertools.count(1).__next__   # serial ids: Python's id() is reused after GC

