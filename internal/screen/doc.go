// Package screen is the hub's content firewall: it validates content,
// scores it for prompt injection, finds secrets and personal data, and
// turns the findings into a verdict (allow, flag, quarantine, reject). The
// same pipeline screens messages now and tool results later.
package screen
