# Who a saved plan mails, from `show -json PLAN`: one line per address,
# "<address>\t<why>\t<resource>", where why is new, retry or resend. A
# resource whose to_mail is known only at apply gives "?\tunknown\t<resource>".
# Resources that the plan leaves unchanged are skipped: their to_mail is what
# the previous apply mailed.
.resource_changes[]?
| select(.type == "clevermaps_password_reset_requests")
| select(.change.actions | index("create") or index("update"))
| .address as $resource
| if .change.after_unknown.to_mail == true then
    "?\tunknown\t\($resource)"
  else
    .change.after.to_mail // {} | to_entries[] | "\(.key)\t\(.value)\t\($resource)"
  end
