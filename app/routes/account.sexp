;; Signing in and out. A visitor's anonymous cart joins their own on sign-in:
;; the session key is read before sign-in replaces it.

(defroute "/account/sign-in/"
  (render (~sign-in-page)))

(defroute "/account/sign-in/" :method "POST"
  (let ((key (session-key))
        (user (sign-in (form-field "email") (form-field "password"))))
    (if user
      (let ((adopted (when key (action cart adopt-session-cart :user_id (:id user) :session_key key))))
        (redirect "/"))
      (status 401 (~sign-in-page :email (form-field "email") :error "That email and password do not match.")))))

(defroute "/account/sign-out/" :method "POST"
  (let ((done (sign-out)))
    (redirect "/")))
