"""Bringing notes into the corpus format: `tmrag sync` (the wiki's llms.txt and raw modules)
and `tmrag import` (a folder of Markdown notes). Both stage a whole corpus next to the target,
validate it with the corpus loader and swap it in, so a failure leaves the target as it was."""
