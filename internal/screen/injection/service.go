package injection

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// serviceMail returns a generated automated notification of the kind
// most real mail is — a card charge, a payment received or sent, a
// refund, an order confirmation, a shipping update, a sign-in alert, a
// subscription receipt, an invoice, a statement, product news and
// offers — from templates
// filled by rng (brands, amounts, numbers and dates are made up; nothing
// is copied from any data set). Sometimes it has a header line
// (SUBJECT/EMAIL_FROM/RECEIVED DATE/CONTENT, as exported mail has),
// sentences are sometimes run together without a space, as text pulled
// out of HTML mail often is, and the footer has the usual help,
// unsubscribe and legal lines. Such mail is full of amounts, numbers and
// calls to action and has no instruction for a model in it.
func serviceMail(rng *rand.Rand) string {
	brand := pick(rng, "Northbank", "Ledgerly", "Parcelo", "Shopwise", "Cloudnest", "Tillpoint",
		"Brightpay", "Orbit Mobile", "Harbor Energy", "Quillbox", "Fernway", "Stackly", "Pinecrest Bank",
		"Meridian Card", "Boxfleet", "Tessera", "Kitewise", "Lumen Travel", "Cobalt Insurance", "Wavely")
	name := pick(rng, "David", "Maria", "Alex", "Sofia", "James", "Priya", "Tom", "Lena", "Omar", "Yuki", "there")
	kind := rng.IntN(len(serviceKinds))
	subject, body := serviceKinds[kind](rng, brand)
	var b strings.Builder
	if rng.IntN(2) == 0 {
		from := pick(rng, "noreply", "hello", "billing", "notifications", "support", "orders", "no-reply")
		fmt.Fprintf(&b, "SUBJECT: %s|EMAIL_FROM: %s <%s@%s.example>|RECEIVED DATE: %s|CONTENT: %s",
			subject, brand, from, strings.ToLower(strings.ReplaceAll(brand, " ", "")), mailDate(rng),
			pick(rng, "\n\n", " ", "\n"))
	}
	fmt.Fprintf(&b, pick(rng, "Hi %s,", "Hello %s,", "Dear %s,", "Hi %s", "%s,"), name)
	sep := pick(rng, " ", "\n", "\n\n", "", " ")
	b.WriteString(sep)
	for _, s := range body {
		if s == "" {
			continue
		}
		b.WriteString(s)
		b.WriteString(sep)
	}
	for range 1 + rng.IntN(3) {
		b.WriteString(strings.ReplaceAll(pick(rng, serviceFooters...), "%s", brand))
		b.WriteString(sep)
	}
	b.WriteString(strings.ReplaceAll(pick(rng, "The %s Team", "%s Support", "Thanks,\n%s", "— %s", "%s"), "%s", brand))
	return b.String()
}

var serviceFooters = []string{
	"If you have any questions, just reply to this email.",
	"Questions? Visit our help centre or reply to this message.",
	"You are receiving this email because you have an account with %s.",
	"To stop these notifications, update your preferences in the app.",
	"Unsubscribe | Manage preferences | Privacy policy",
	"Please do not reply to this automated message.",
	"%s Inc., 200 Market Street, Suite 4, San Francisco, CA 94105",
	"If you did not make this request, contact us right away.",
	"Need help? Our support team is available 24/7 in the app.",
	"View this email in your browser.",
	"© 2022 %s. All rights reserved.",
	"Download the %s app to track everything in one place.",
}

// serviceKinds each return a subject and the body sentences of one kind
// of notification for brand.
var serviceKinds = []func(rng *rand.Rand, brand string) (string, []string){
	func(rng *rand.Rand, brand string) (string, []string) { // card charge
		amt, card, who := money(rng), digits(rng, 4), merchant(rng)
		return "Your card has been charged " + amt + " by " + who, []string{
			pick(rng, "Your ", "Your company's ") + brand + " debit card ending " + card + " was charged " + amt + " by " + who + ".",
			pick(rng, "The final amount may differ from this authorization.", "The charge will appear on your next statement.",
				"This transaction has been added to your account activity."),
			pick(rng, "If you don't recognize it, freeze the card in the app.", "You can view the receipt under Transactions.", ""),
		}
	},
	func(rng *rand.Rand, brand string) (string, []string) { // payment received or sent
		amt, who := money(rng), merchant(rng)
		if rng.IntN(2) == 0 {
			return "You received " + amt + " from " + who, []string{
				"You've received " + amt + " via " + pick(rng, "ACH", "wire transfer", "bank transfer", "SEPA") + " from " + who + ".",
				"The money is now available in your " + pick(rng, "checking", "business", "savings") + " account ending " + digits(rng, 4) + ".",
			}
		}
		return "You sent " + amt + " to " + who, []string{
			"You sent a " + pick(rng, "wire payment", "transfer", "ACH payment", "international payment") + " of " + amt + " to " + who + ".",
			"The money was sent from your account ending " + digits(rng, 4) + " and should arrive within " + pick(rng, "1–3", "2", "3–5") + " business days.",
			pick(rng, "Reference: "+strings.ToUpper(hexID(rng, 8))+".", ""),
		}
	},
	func(rng *rand.Rand, brand string) (string, []string) { // refund or credit
		amt, who := money(rng), merchant(rng)
		return "A credit of " + amt + " from " + who, []string{
			"Your card ending " + digits(rng, 4) + " has received a " + amt + " " + pick(rng, "credit", "refund") + " from " + who + ".",
			"The money has been credited to your account.",
			pick(rng, "Refunds can take up to 5 days to show on your statement.", ""),
		}
	},
	func(rng *rand.Rand, brand string) (string, []string) { // order confirmation
		order, item := digits(rng, 7), pick(rng, serviceItems...)
		return "Order confirmation #" + order, []string{
			"Thanks for your order! We've received order #" + order + ".",
			"Items: " + item + " (x" + fmt.Sprint(1+rng.IntN(3)) + "). Subtotal: " + money(rng) + ". Shipping: " + pick(rng, "free", money(rng)) + ".",
			"We'll email you again when it ships.",
			pick(rng, "You can change or cancel your order within one hour.", "Track your order in your account.", ""),
		}
	},
	func(rng *rand.Rand, brand string) (string, []string) { // shipping update
		track := strings.ToUpper(hexID(rng, 12))
		return pick(rng, "Your package is on its way", "Your order has shipped", "Out for delivery today", "Delivered: your parcel"), []string{
			"Good news: your " + pick(rng, serviceItems...) + " " + pick(rng, "has shipped", "is out for delivery", "was delivered", "is on its way") + ".",
			"Tracking number: " + track + ". Carrier: " + pick(rng, "UPS", "DHL", "FedEx", "Royal Mail", "USPS", "DPD") + ".",
			"Estimated delivery: " + mailDay(rng) + ".",
			pick(rng, "If you're not home, the driver will leave it with a neighbour.", "Signature may be required.", ""),
		}
	},
	func(rng *rand.Rand, brand string) (string, []string) { // account security
		return pick(rng, "New sign-in to your account", "Your password was changed", "Security alert", "Verify your new device"), []string{
			pick(rng, "We noticed a new sign-in to your "+brand+" account from "+pick(rng, "Chrome on Windows", "Safari on iPhone", "Firefox on Linux", "the Android app")+".",
				"The password for your "+brand+" account was changed on "+mailDay(rng)+".",
				"A new device was added to your account."),
			"Location: " + pick(rng, "Berlin, Germany", "Austin, TX", "Lyon, France", "Toronto, Canada", "Leeds, UK") + ". Time: " + fmt.Sprintf("%02d:%02d UTC", rng.IntN(24), rng.IntN(60)) + ".",
			"If this was you, you can ignore this email. If not, reset your password and review your security settings.",
		}
	},
	func(rng *rand.Rand, brand string) (string, []string) { // subscription receipt
		amt := money(rng)
		return "Your " + brand + " receipt", []string{
			"This is your receipt for your " + pick(rng, "monthly", "annual", "Pro", "Team") + " subscription.",
			"Amount paid: " + amt + ". Invoice ID: in_" + hexID(rng, 14) + ". Date: " + mailDay(rng) + ".",
			pick(rng, "Your plan renews automatically on "+mailDay(rng)+".", "Download as PDF.", "Thank you for using "+brand+"!"),
		}
	},
	func(rng *rand.Rand, brand string) (string, []string) { // invoice or bill
		amt := money(rng)
		return "Your invoice is ready", []string{
			"Your " + brand + " invoice for " + pick(rng, "January", "February", "March", "April", "May", "June") + " is ready.",
			"Invoice #" + digits(rng, 6) + ". Total due: " + amt + ". Due date: " + mailDay(rng) + ".",
			pick(rng, "Pay online or set up autopay to avoid late fees.", "The PDF is attached to this email.", "No action is needed if you pay by direct debit."),
		}
	},
	func(rng *rand.Rand, brand string) (string, []string) { // product news, offers
		var body []string
		body = append(body, pick(rng, "Here's what's new in "+brand+" this month.", "Thanks for trying "+brand+"!",
			"Following up on our call, here is the information I promised.", "We've been busy shipping new features."))
		for range 2 + rng.IntN(4) {
			thing := pick(rng, productThings...)
			body = append(body, pick(rng,
				"Create a "+thing+" in minutes with the new editor.",
				"Set up your first "+thing+" — here's a two-minute video.",
				"Try the redesigned "+thing+" view and tell us what you think.",
				"Invite your team to share the "+thing+" and save 20% on your first year.",
				"Export any "+thing+" to PDF or CSV with one click.",
				"Book a demo to see how teams automate their "+thing+".",
				"Read how "+merchant(rng)+" cut the time spent on each "+thing+" in half.",
				"Join our live webinar on "+mailDay(rng)+" to learn about "+thing+" templates.",
				"Upgrade to Pro to unlock unlimited "+thing+"s.",
				"Attached is a one-pager on the "+thing+" feature."))
		}
		return pick(rng, "What's new in "+brand, "Your "+brand+" trial", brand+" product update", "An offer for your team"), body
	},
	func(rng *rand.Rand, brand string) (string, []string) { // statement
		return "Your statement is available", []string{
			"Your " + pick(rng, "monthly", "quarterly") + " statement for the account ending " + digits(rng, 4) + " is now available.",
			"Closing balance: " + money(rng) + ". Minimum payment: " + money(rng) + ".",
			"Log in to view or download it.",
		}
	},
}

var productThings = []string{"contract", "invoice", "report", "workflow", "dashboard", "survey", "budget",
	"timesheet", "proposal", "onboarding checklist", "payroll run", "booking page", "newsletter", "project plan"}

var serviceItems = []string{"wireless headphones", "desk lamp", "running shoes", "coffee grinder",
	"phone case", "yoga mat", "backpack", "printer ink", "water bottle", "book set", "keyboard", "plant pot"}

func merchant(rng *rand.Rand) string {
	return pick(rng, "ACME HOSTING", "Blue Fern Cafe", "CITY PARKING", "Northwind Traders", "STUDIO 9 LLC",
		"Greenleaf Market", "AIRWAYS TICKETS", "Orion Software", "Metro Utilities", "Delta Print Co.",
		"HARBOR FREIGHTS", "Sunrise Dental", "WEBSTACK.IO", "Kappa Consulting", "Tax Office")
}

func money(rng *rand.Rand) string {
	n := 1 + rng.IntN(5000)
	c := rng.IntN(100)
	cur := pick(rng, "$", "$", "€", "£", "US$")
	if n >= 1000 {
		return fmt.Sprintf("%s%d,%03d.%02d", cur, n/1000, n%1000, c)
	}
	return fmt.Sprintf("%s%d.%02d", cur, n, c)
}

func digits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	return string(b)
}

func hexID(rng *rand.Rand, n int) string {
	const a = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = a[rng.IntN(len(a))]
	}
	return string(b)
}

func mailDay(rng *rand.Rand) string {
	return fmt.Sprintf("%s %d %s", pick(rng, "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"), 1+rng.IntN(28),
		pick(rng, "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"))
}

func mailDate(rng *rand.Rand) string {
	return fmt.Sprintf("%s, %02d %s 2022 %02d:%02d:%02d +0000", pick(rng, "Mon", "Tue", "Wed", "Thu", "Fri"),
		1+rng.IntN(28), pick(rng, "Jan", "Feb", "Mar", "Apr"), rng.IntN(24), rng.IntN(60), rng.IntN(60))
}
