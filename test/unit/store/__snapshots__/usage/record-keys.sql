SELECT tenant, toString(toDate(occurred_at)) AS day, event_id, toString(occurred_at) AS at
FROM usage_events
WHERE occurred_at >= {from:DateTime64(3, 'UTC')}
  AND occurred_at < {to:DateTime64(3, 'UTC')}
  AND sign = 1
  AND status IN {status:Array(String)}
  AND (occurred_at, event_id) < ({after_at:DateTime64(3, 'UTC')}, {after_id:String})
ORDER BY occurred_at DESC, event_id DESC
LIMIT {limit:UInt32}