/* tally:statements.closed */
SELECT tenant, user_id, period, toString(min(version)) AS version_text, argMin(content_hash, version) AS content_hash, argMin(document, version) AS document
FROM statements FINAL
WHERE tenant = {tenant:String} AND user_id = {user:String}
  AND period IN {periods:Array(String)}
GROUP BY tenant, user_id, period
ORDER BY period