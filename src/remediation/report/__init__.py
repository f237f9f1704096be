"""What a run produces: results and counts, and every output sent from the function (the
notification text, the chat card, Security Hub's findings)."""
