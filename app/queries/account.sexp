;; Account queries and actions: the signed-in user, credentials for signing
;; in, and the sessions a user is signed in with.

(defquery account user-by-session (&key sid user_id)
  "The signed-in user of an open session (the cookie holds its id and the user's), or nil when it was ended or has expired."
  :params {:sid :text :user_id :int}
  :returns :one
  :shape {:id :int :name :text :email :text :is_admin :bool}
  :example {:sid "development-session-0001" :user_id 4}
  :sql "SELECT u.id, u.name, u.email, u.is_admin
          FROM user_sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id = :sid AND s.user_id = :user_id AND s.ended_at IS NULL AND s.expires_at > now()")

(defquery account credentials (&key email)
  "The stored password hash for an email address, for signing in. Not for pages."
  :params {:email :text}
  :returns :one
  :shape {:id :int :name :text :email :text :password_hash :text}
  :example {:email "giles@example.org"}
  :sql "SELECT id, name, email, password_hash FROM users WHERE email = lower(:email)")

(defquery account open-sessions (&key user_id)
  "How many sessions a user is signed in with, and since when the oldest."
  :params {:user_id :int}
  :returns :one
  :shape {:count :int :since :timestamp}
  :example {:user_id 4}
  :sql "SELECT count(*)::int AS count, min(created_at) AS since
          FROM user_sessions WHERE user_id = :user_id AND ended_at IS NULL AND expires_at > now()")

(defaction account open-session (&key sid user_id)
  "Open a signed-in session (on sign-in) for 30 days, as long as the cookie."
  :params {:sid :text :user_id :int}
  :returns :none
  :example {:sid "development-session-0002" :user_id 4}
  :sql "INSERT INTO user_sessions (id, user_id, expires_at) VALUES (:sid, :user_id, now() + interval '30 days')")

(defaction account end-session (&key sid)
  "End one session (signing out): every cookie naming it stops counting at once."
  :params {:sid :text}
  :returns :none
  :example {:sid "development-session-0001"}
  :sql "UPDATE user_sessions SET ended_at = now() WHERE id = :sid AND ended_at IS NULL")

(defaction account end-all-sessions (&key user_id)
  "End every session of a user (sign out everywhere); the ids of those ended."
  :params {:user_id :int}
  :returns :many
  :shape {:id :text}
  :example {:user_id 4}
  :sql "UPDATE user_sessions SET ended_at = now() WHERE user_id = :user_id AND ended_at IS NULL RETURNING id")

(defquery account orders (&key user_id (limit 20))
  "A user's orders, newest first, with how many items each held."
  :params {:user_id :int :limit :int}
  :returns :many
  :shape {:id :int :total_pence :int :placed_at :timestamp :items :int}
  :example {:user_id 4}
  :sql "SELECT o.id, o.total_pence, o.placed_at, (SELECT sum(quantity)::int FROM order_items WHERE order_id = o.id) AS items
          FROM orders o WHERE o.user_id = :user_id ORDER BY o.placed_at DESC, o.id DESC LIMIT :limit")
