;; Events queries.

(defquery events upcoming (&key from (limit 50))
  "Events starting at or after a time, soonest first."
  :params {:from :timestamp :limit :int}
  :returns :many
  :shape {:slug :text :title :text :venue :text :starts_at :timestamp :ends_at :timestamp :capacity :int}
  :example {:from "2026-12-01T00:00:00Z"}
  :sql "SELECT slug, title, venue, starts_at, ends_at, capacity
          FROM events WHERE starts_at >= :from::timestamptz
         ORDER BY starts_at LIMIT :limit")
