;; The account: signing in and out, and the account page. A visitor's
;; anonymous cart joins their own on sign-in: the session key is read before
;; sign-in replaces it. Signing out ends the session server-side, so a copy of
;; the cookie is worth nothing afterwards; "sign out everywhere" ends them all.

(defroute "/account/"
  (let ((user (current-user)))
    (if user
      (render (~account-page :user user
                :sessions (query account open-sessions :user_id (:id user))
                :orders (query account orders :user_id (:id user))))
      (redirect "/account/sign-in/"))))

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

(defroute "/account/sign-out-everywhere/" :method "POST"
  (let ((done (sign-out-everywhere)))
    (redirect "/account/sign-in/")))
