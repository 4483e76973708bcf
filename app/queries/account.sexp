;; Account queries: the signed-in user, and credentials for signing in.

(defquery account user-by-id (&key id)
  "A user's public profile by id (the session holds only the id)."
  :params {:id :int}
  :returns :one
  :shape {:id :int :name :text :email :text}
  :example {:id 1}
  :sql "SELECT id, name, email FROM users WHERE id = :id")

(defquery account credentials (&key email)
  "The stored password hash for an email address, for signing in. Not for pages."
  :params {:email :text}
  :returns :one
  :shape {:id :int :name :text :email :text :password_hash :text}
  :example {:email "giles@example.org"}
  :sql "SELECT id, name, email, password_hash FROM users WHERE email = lower(:email)")
