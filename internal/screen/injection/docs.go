package injection

import (
	"math/rand/v2"
	"strings"
)

// docCarrier returns a short benign document of a kind that is not mail:
// a product page, a review, a wiki paragraph, a README, meeting notes, a
// support ticket, a calendar entry or a search result.
func docCarrier(rng *rand.Rand) string {
	genres := [][]string{
		{"Product page: %s, in stock.", "Free delivery on orders over 40 EUR.", "Dimensions: 30 x 20 x 12 cm, weight 1.4 kg.",
			"Customers also bought the matching case.", "Two-year warranty included.", "Rated 4.3 out of 5 by 212 buyers."},
		{"Review: the %s works as described.", "Setup took ten minutes.", "Battery life is about two days.",
			"The instructions could be clearer.", "I would buy it again.", "Three stars, mainly for the price."},
		{"The %s was first described in 1894.", "It is found mainly in coastal regions.", "Its name comes from Latin.",
			"Several studies have measured its effects.", "It is protected under regional law.", "See also: related species."},
		{"README: %s", "Install with the package manager and run the setup script.", "Configuration lives in config.yaml.",
			"Tests run with make test.", "Contributions are welcome; open an issue first.", "License: MIT."},
		{"Meeting notes (%s)", "Attendees: Ana, Raj, Li, Tom.", "Budget for the pilot is approved.",
			"The launch moves to the second week of May.", "Raj will send the draft plan.", "Next meeting on Tuesday."},
		{"Ticket #4471 (%s)", "Customer reports that the app logs out after the update.", "Steps: open app, sign in, wait two minutes.",
			"Priority: medium.", "Assigned to second-line support.", "Last update: waiting for logs."},
		{"Calendar: %s", "When: Thursday 14:00-15:00.", "Where: Room 2B and online.", "Agenda: review of the draft and next steps.",
			"Please bring the printed copy.", "Organiser: facilities team."},
		{"Search result: %s", "A guide to choosing the right model for your needs.", "Updated last month.",
			"Prices compared across six shops.", "Read time: 4 minutes.", "Source: consumer magazine."},
	}
	g := genres[rng.IntN(len(genres))]
	var b strings.Builder
	b.WriteString(strings.Replace(g[0], "%s", pick(rng, "Trailmaster tent", "Aero 14 laptop", "orchid", "fastgrid",
		"project kick-off", "login issue", "design review", "hiking boots", "coffee grinder", "city bike"), 1))
	for _, i := range rng.Perm(len(g) - 1)[:3+rng.IntN(3)] {
		b.WriteString(pick(rng, " ", "\n"))
		b.WriteString(g[i+1])
	}
	return b.String()
}
