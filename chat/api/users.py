"""REST resources of a service's users: /Services/{ServiceSid}/Users[/{Sid}]."""
