"""reportgen: train a course lab's models and render the finished lab report.

NOTE: import nothing here, so that ``reportgen --help`` and ``reportgen list`` stay fast
(torch, matplotlib and weasyprint are imported only by the commands that need them).
"""

__version__ = "0.1.0"
