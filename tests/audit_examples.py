"""A labelled set of messages for measuring the audit's wording rules.

Written for these tests (no real incident's words). Each example gives the
message, where in an incident's life it was posted, and the exact set of
rules a careful communications lead would raise on it. Near misses, the
texts that look like a finding and are not, matter as much as the bad ones:
precision is what keeps a rule switched on.

``known_miss`` marks a finding the audit does not catch today: it is counted
against recall, honestly, instead of being left out of the set.
"""

from __future__ import annotations

from dataclasses import dataclass

# kinds: first, update (investigating), identified, monitoring, resolution, resolution-owed, postmortem, maintenance


@dataclass(frozen=True)
class Example:
    text: str
    kind: str
    expect: frozenset[str]
    known_miss: frozenset[str] = frozenset()


def ex(text: str, kind: str, *expect: str, missed: tuple[str, ...] = ()) -> Example:
    return Example(text, kind, frozenset(expect), frozenset(missed))


GOOD_FIRST = "We are investigating failed requests to the Public API for some customers. Next update by 14:30 UTC."
GOOD_RESOLUTION = ("Resolved: the Public API is working normally again. From 13:48 to 14:40 UTC about a third of "
                   "requests failed after a configuration change we made to our load balancers. We are sorry: for 52 "
                   "minutes many of you could not sync invoices. We have added a check that stops such a change "
                   "before it reaches customers.")

EXAMPLES: tuple[Example, ...] = (
    # speculation: guesses at the cause while investigating
    ex("We are investigating errors on the Public API. This is probably related to this morning's release.", "update", "speculation"),
    ex("We think the problem is in our database layer and are looking into it.", "update", "speculation"),
    ex("Sign-ins are failing. It might be caused by an expired certificate.", "update", "speculation"),
    ex("The most likely cause is a network change at one of our data centres.", "update", "speculation"),
    ex("We suspect a bad configuration push and are checking.", "update", "speculation"),
    ex("Errors started at 09:12 UTC and appear to be related to a storage problem.", "update", "speculation"),
    ex("Our best guess is that a queue filled up.", "update", "speculation"),
    ex("We're not sure yet, but we believe it is the search index.", "update", "speculation"),
    # near misses: scope hedges, quotations, identified or resolved states
    ex("Some invoices might be delayed by up to 20 minutes. We are investigating.", "update"),
    ex("Customers in the EU may be unable to sign in. We are investigating.", "update"),
    ex("A customer wrote to us: \"we think your API is down\". We are investigating failed requests.", "update"),
    ex("We identified the cause: a configuration change we made probably affected more servers than planned.", "identified"),
    ex("> We think it's the database\n\nThat was our first guess; the cause was a full disk, which we have cleared.", "identified"),
    ex("We are likely to post several short updates while we work through this.", "update"),
    ex("Payments could be retried automatically once the service recovers; you do not need to do anything.", "update"),
    ex("We are investigating reports of slow dashboards.", "update"),
    ex("It could be anything at this stage, so we are checking each part of the sign-in path in turn.", "update",
       "speculation", missed=("speculation",)),

    # eta-promise: when the fix will land
    ex("We have found the problem and it should be fixed within 30 minutes.", "identified", "eta-promise"),
    ex("Service should be back shortly.", "identified", "eta-promise"),
    ex("We expect it to be resolved by 15:00 UTC.", "identified", "eta-promise"),
    ex("The fix is rolling out and payments will be working again in about an hour.", "identified", "eta-promise"),
    ex("ETA for the fix is 20 minutes.", "identified", "eta-promise"),
    ex("We hope to have this resolved soon.", "update", "eta-promise"),
    ex("Exports should be back to normal by the end of the day.", "identified", "eta-promise"),
    # near misses: promises of the next update, no ETA, past tense, resolved, maintenance plans
    ex("We do not have an ETA yet. Next update within 30 minutes.", "update"),
    ex("There is no ETA for the fix; we will post an update in 30 minutes.", "identified"),
    ex("The API was restored within 20 minutes of the change being reverted.", "resolution-owed",
       "resolution-incomplete"),
    ex("We will share more information shortly.", "update"),
    ex("The upgrade is expected to finish by 06:00 UTC; the dashboard will be read-only until then.", "maintenance"),

    # performative-apology
    ex("We apologize for any inconvenience this may have caused.", "identified", "performative-apology"),
    ex("We sincerely apologise for any inconvenience.", "identified", "performative-apology"),
    ex("Sorry for the inconvenience.", "identified", "performative-apology"),
    ex("We regret any disruption to your service.", "identified", "performative-apology"),
    ex("We apologize for the issue.", "identified", "performative-apology"),
    # near misses: apologies that name the impact
    ex("We are sorry: for 40 minutes you could not send invoices.", "identified"),
    ex("We apologise for the failed payments this morning; none were charged twice.", "identified"),
    ex("We know many of you could not close your month on time, and we are sorry.", "identified"),
    ex("Any disruption to payments is serious for you, so we are moving card payments to a second provider.", "identified"),

    # passive-evasion
    ex("Mistakes were made during the migration.", "identified", "passive-evasion"),
    ex("An error occurred.", "identified", "passive-evasion"),
    ex("Some errors have been made in how we handled this.", "identified", "passive-evasion"),
    ex("An unexpected issue was encountered and has been fixed.", "identified", "passive-evasion"),
    # near misses: explained, or active voice
    ex("An error occurred because a certificate we manage expired; we renewed it at 10:02 UTC.", "identified"),
    ex("We made a mistake in a configuration change and have reverted it.", "identified"),
    ex("If you saw an error while paying, your card was not charged.", "identified"),

    # blame-person: roster names, roles with a name, possessives
    ex("Juniper Kestrel rolled back the change at 10:05 UTC.", "identified", "blame-person"),
    ex("The outage started when engineer Marlin deployed a faulty build.", "identified", "blame-person"),
    ex("Kestrel's deploy removed an index from the payments database.", "identified", "blame-person"),
    ex("An on-call engineer Wren restarted the wrong cluster.", "identified", "blame-person"),
    # near misses: no person
    ex("Monday's deploy removed an index from the payments database; we have restored it.", "identified"),
    ex("Our engineers rolled back the change at 10:05 UTC.", "identified"),
    ex("The Public API's configuration was changed at 09:58 UTC; we have reverted it.", "identified"),
    ex("A change we made to the Web app's configuration stopped sign-ins.", "identified"),
    ex("Someone on our team is looking at each failed payment with the bank.", "identified"),

    # blame-vendor
    ex("The outage was caused by Examplecloud.", "identified", "blame-vendor"),
    ex("Our cloud provider is down, so nothing we can do.", "update", "blame-vendor"),
    ex("Emails are delayed because MailCo failed to deliver them.", "identified", "blame-vendor"),
    ex("A failure at our payment provider is stopping card payments.", "identified", "blame-vendor"),
    # near misses: suppliers named without blame
    ex("We are working with our payment provider to confirm every charge.", "identified"),
    ex("We have moved email sending to a second provider while we investigate.", "update"),
    ex("Card payments are processed by Examplecloud Payments; bank transfers are not affected.", "update"),
    ex("Our hosting provider confirmed at 10:40 UTC that the network is stable, and we are watching error rates.", "monitoring"),

    # ip-address
    ex("Traffic from 203.0.113.45 was blocked by mistake.", "identified", "ip-address"),
    ex("We removed the route to 10.0.12.0/24.", "identified", "ip-address"),
    ex("The address 2001:db8::ff00:42:8329 stopped answering.", "identified", "ip-address"),
    # near misses: times, versions, figures
    ex("Between 14:30:00 and 14:45:00 UTC some requests failed.", "identified"),
    ex("The mobile app version 4.12.0.3 shows the right balance again.", "identified"),
    ex("Roughly 1.5 of every 100 requests failed, that is 1.5%.", "identified"),

    # internal-host
    ex("The database db-prod-03 ran out of disk.", "identified", "internal-host"),
    ex("Requests to billing.corp.tallyworks.example timed out.", "identified", "internal-host"),
    ex("Restarting worker-12 cleared the backlog.", "identified", "internal-host"),
    ex("The cache at redis01.internal stopped answering.", "identified", "internal-host"),
    # near misses: public names and ordinary hyphenated words
    ex("You can follow along at status.tallyworks.example and api.tallyworks.example keeps working.", "identified"),
    ex("Dates are shown in ISO-8601; the export job finished in two batches.", "identified"),
    ex("Some customers on the pro-2024 plan saw slower exports.", "identified"),

    # capacity-figure
    ex("A surge of 40,000 requests per second overwhelmed the login service.", "identified", "capacity-figure"),
    ex("One of our two 10 Gbps links failed.", "identified", "capacity-figure"),
    ex("The API falls over above 5k rps.", "identified", "capacity-figure"),
    ex("We hit our rate limit of 600 calls per minute to the bank.", "identified", "capacity-figure"),
    # near misses: impact figures are welcome
    ex("12,400 requests failed between 10:00 and 10:20 UTC.", "identified"),
    ex("About 3% of card payments were declined.", "identified"),
    ex("Webhooks are running up to 15 minutes late.", "update"),

    # vulnerable-version
    ex("We were running OpenSSL 3.0.7, which is vulnerable to the issue.", "identified", "vulnerable-version"),
    ex("An exploit for our web server version 2.4 was used to read logs.", "identified", "vulnerable-version"),
    ex("We are patching CVE-2026-12345 now.", "identified", "vulnerable-version"),
    # near misses: versions without a vulnerability, CVE after the fix
    ex("We upgraded the database to version 16.2 to fix a performance problem.", "identified"),
    ex("The security fix for CVE-2026-12345 was applied to every server on 3 March; no data was accessed.", "postmortem",
       "postmortem-incomplete"),

    # credential
    ex("The leaked key AKIAIOSFODNN7EXAMPLE has been revoked.", "identified", "credential"),
    ex("Use token: 9f8e7d6c5b4a3f2e1d0c to retry.", "identified", "credential"),
    ex("The connection string postgres://app:Hunter2pass@db.example/main was logged.", "identified", "credential"),
    ex("Our signing key eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N was rotated.",
       "identified", "credential"),
    # near misses: long ordinary strings
    ex("See https://status.tallyworks.example/incidents/2026-03-02-elevated-api-errors-for-some-customers/ for details.",
       "identified"),
    ex("Reset your password from the sign-in page if you were asked to.", "identified"),

    # jargon
    ex("p99 latency rose to 4 seconds.", "identified", "jargon"),
    ex("Several pods were OOM-killed.", "identified", "jargon"),
    ex("A BGP change withdrew our routes.", "identified", "jargon"),
    ex("Replication lag on a database shard delayed reports.", "identified", "jargon"),
    # near misses: plain words that contain a jargon word
    ex("Your podcast feed integrations are not affected; spods and tripods neither.", "identified"),
    ex("We rolled back the change, and the slowest requests are fast again.", "identified"),

    # first-update-incomplete
    ex(GOOD_FIRST, "first"),
    ex("We are investigating. Next update by 14:30 UTC.", "first", "first-update-incomplete"),
    ex("We are investigating failed requests to the Public API for some customers.", "first", "first-update-incomplete"),
    ex("Some customers are seeing errors on the Web app. We will post another update at 15:00 UTC.", "first"),
    ex("Next update in 30 minutes.", "first", "first-update-incomplete"),
    ex("Card payments are failing for all customers; we are working on it and will update within the hour.", "first"),

    # resolution-incomplete
    ex(GOOD_RESOLUTION, "resolution"),
    ex(GOOD_RESOLUTION, "resolution-owed", "resolution-incomplete"),
    ex(GOOD_RESOLUTION + " A postmortem will follow within five days.", "resolution-owed"),
    ex("This incident has been resolved.", "resolution", "resolution-incomplete"),
    ex("Resolved. From 13:48 to 14:40 UTC the API failed after a storage failure. We are sorry you could not reach "
       "your data.", "resolution", "resolution-incomplete"),
    ex("The API is back. A disk filled up. We are sorry for the failed syncs. To prevent a recurrence we now alert at "
       "80% disk use.", "resolution"),

    # postmortem-incomplete
    ex("## What happened\n\nFor 52 minutes on 21 October the API was unavailable after a storage failure.\n\n"
       "## Why our safeguards did not stop it\n\nWe had no alert on storage latency.\n\n"
       "## What we are doing\n\n- This week: alert on storage latency.\n- Next quarter: remove the shared volume.\n",
       "postmortem"),
    ex("## What happened\n\nThe API was unavailable after a storage failure.\n\n"
       "## Why our safeguards did not stop it\n\nWe had no alert on storage latency.\n\n"
       "## What we are doing\n\n- Alert on storage latency.\n", "postmortem", "postmortem-incomplete"),
    ex("## Summary\n\nFor 40 minutes 12% of sign-ins failed.\n\n## What we are doing\n\n- Next 30 days: add a second "
       "identity provider.\n", "postmortem", "postmortem-incomplete"),
    ex("We had an outage. Sorry.", "postmortem", "postmortem-incomplete"),

    # A second batch, written after the rules and not tuned against: realistic messages in varied styles.
    ex("We're seeing elevated error rates on invoice creation. Our team is on it. Next update at 11:15 UTC.", "first"),
    ex("Bank feeds are delayed. Looks like our banking data partner is having issues on their end.", "update",
       "blame-vendor", "speculation", missed=("speculation",)),
    ex("Things should be back to normal in a few minutes.", "identified", "eta-promise"),
    ex("We have rolled back the release that caused slow page loads and are watching closely.", "monitoring"),
    ex("Dashboards are loading again. We're sorry that reports were unavailable for most of the morning.", "monitoring"),
    ex("Our on-call engineer restarted the affected service and payments are recovering.", "monitoring"),
    ex("Thanks for your patience while we work through this.", "identified"),
    ex("We're sorry for any trouble this caused.", "identified", "performative-apology"),
    ex("The issue was due to a faulty node in our k8s cluster.", "identified", "jargon"),
    ex("Queue depth peaked at 120,000 messages; all have now been processed.", "monitoring"),
    ex("We'll have a fix deployed within the next hour.", "identified", "eta-promise"),
    ex("A database failover took longer than expected.", "identified", "jargon"),
    ex("An internal error occurred. We are investigating.", "update", "passive-evasion"),
    ex("No customer data was lost or exposed.", "identified"),
    ex("Traffic to the EU region has been shifted to our US region while we repair it.", "identified"),
    ex("Server 192.168.4.20 was restarted.", "identified", "ip-address"),
    ex("Login attempts were throttled at 30 per minute per account to protect you.", "identified",
       "capacity-figure", missed=("capacity-figure",)),
    ex("Our CDN vendor had an outage that affected the Web app.", "identified", "blame-vendor"),
    ex("We possibly have a lead on what is causing this.", "update", "speculation"),
    ex("We've identified the root cause and are deploying a fix now.", "identified"),
    ex("Version 2.3 of our mobile app shows an outdated balance; update to 2.4 from your app store.", "identified"),
    ex("We sincerely apologize: payroll exports failed for two hours on the last working day of the month.", "identified"),
    # resolutions from the sample site's rewrite, where prevention is said without "prevent"
    ex("Webhook retries are running on schedule again. They ran late because the job that schedules them stopped after "
       "a restart. We are sorry if your systems waited. That job is now restarted automatically.", "resolution"),
    ex("Exports are back to their usual speed. One large export filled the queue that every export shares. Sorry for the "
       "wait. Large exports now run in a queue of their own.", "resolution"),
    ex("Dashboards load normally. A change we made slowed a query. We are sorry for the slow morning; we will test that "
       "query's speed before changing it again.", "resolution"),
    ex("Exports work again. Large exports failed after a change we made. We are sorry. Exports are now working.",
       "resolution", "resolution-incomplete"),
    ex("The problem was caused by human error.", "identified", "blame-person"),
    ex("A contractor deleted the wrong table.", "identified", "blame-person"),
    # near misses added with the unnamed-person pattern
    ex("An engineer deployed the fix at 10:20 UTC and errors stopped.", "monitoring"),
    ex("The API was restored within 20 minutes of the change being reverted; we are watching it.", "monitoring"),
)
