"""Study mode: quiz cards derived from the notes, a grader of free-text answers, and spaced
repetition (FSRS) per learner in SQLite."""
